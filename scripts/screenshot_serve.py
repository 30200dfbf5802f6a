"""Screenshots of the ``selfeval serve`` page after scoring the bundled samples, for the README:
docs/serve.png (the results) and docs/serve-detail.png (one workbook's indicators and problems).

Needs Debian's chromium and chromium-driver and selenium (the test extra):
    .venv/bin/python scripts/screenshot_serve.py [--out docs]
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parent.parent
DETAIL_FILE = "镜湖区残联_残疾人事业发展补助资金.xlsx"


def start_server(tmp: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "selfeval_xl", "serve", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={"TMPDIR": str(tmp), "PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "http://" in line:
            return proc, line[line.index("http://") :].strip()
    raise SystemExit("服务没有启动")


def browser(profile: Path, width: int) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={width},900",
        "--hide-scrollbars",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def shot(driver: webdriver.Chrome, out: Path, clip_to: str | None = None) -> None:
    """A PNG of the whole page, or of one element's box."""
    params: dict = {"format": "png", "captureBeyondViewport": True}
    if clip_to:
        box = driver.execute_script(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
            "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};",
            clip_to,
        )
        params["clip"] = {**box, "scale": 1}
    data = driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
    out.write_bytes(base64.b64decode(data))
    print(f"已保存 {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description="为 README 截取评分网页的截图")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp))
        driver = browser(Path(tmp) / "profile", 1280)
        try:
            driver.get(url)
            samples = sorted((ROOT / "samples").glob("*.xlsx"))
            driver.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in samples))
            driver.find_element(By.ID, "start").click()
            for _ in range(600):
                if driver.find_element(By.ID, "results").is_displayed():
                    break
                time.sleep(0.2)
            shot(driver, args.out / "serve.png", "body")
            row = driver.find_element(By.CSS_SELECTOR, f'#results-table tr[data-file="{DETAIL_FILE}"]')
            row.click()
            for _ in range(100):
                if driver.find_element(By.ID, "detail").is_displayed():
                    break
                time.sleep(0.1)
            time.sleep(0.8)  # the smooth scroll
            shot(driver, args.out / "serve-detail.png", "#detail")
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(30)


if __name__ == "__main__":
    main()
