from selfeval_xl.cli import cli

cli(prog_name="selfeval")
