"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by selenium,
with downloads going to a folder of the test's own. Nothing is downloaded to get a browser:
without those two programs the browser tests are skipped."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def have_browser() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def chromium(profile: Path, downloads: Path, extra_args: tuple[str, ...] = (), size: str = "1400,1000") -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={size}",
        "--lang=zh-CN",
        *extra_args,
    ):
        options.add_argument(arg)
    downloads.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


def download_to(driver: Any, folder: Path) -> Path:
    """Send this browser's downloads to ``folder`` from now on (each test its own folder, so
    that a file is never mistaken for one downloaded earlier)."""
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    return folder


def wait_for(check: Callable[[], Any], timeout: float = 120, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(what or repr(check))


def downloaded(folder: Path, name: str, timeout: float = 60) -> Path:
    """The downloaded file once Chromium has finished writing it."""
    path = folder / name
    wait_for(lambda: path.exists() and not (folder / (name + ".crdownload")).exists(), timeout, f"download {name}")
    return path
