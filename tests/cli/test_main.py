import subprocess
import sys

from featurevision import __version__
from featurevision.cli import main


def test_version_and_datasets(capsys):
    out = subprocess.run([sys.executable, "-m", "featurevision", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"featurevision {__version__}"
    assert main(["datasets"]) == 0
    listing = capsys.readouterr().out
    assert "digits" in listing and "1797 images" in listing and "textures" in listing


def test_no_command_prints_help_and_an_error_line_to_stderr(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("featurevision: error: a command is required") and "datasets" in last
