"""The teaching page in a real browser (Chromium driven by Playwright): upload, see the prediction.

Skips where Playwright or a Chromium binary is missing (``apt-get install chromium``);
never downloads a browser.
"""

import shutil

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("fastapi")

from featurevision.serve.decode import decode_image  # noqa: E402

from .conftest import png_bytes  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium():
    executable = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
    if executable is None:
        pytest.skip("no Chromium binary on PATH (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_upload_shows_the_prediction_and_the_feature_views(chromium, server, pipeline, tmp_path):
    model, images = pipeline
    data = png_bytes(images[900])
    (tmp_path / "digit.png").write_bytes(data)
    expected = str(model.predict([decode_image(data, "digit.png")])[0])
    page = chromium.new_page()
    outside = []
    page.on("request", lambda request: None if request.url.startswith((server, "data:", "blob:"))
            else outside.append(request.url))
    page.goto(server + "/")
    # expect() polls without eval, which the page's Content-Security-Policy forbids.
    expect = sync_api.expect
    expect(page.locator("#model")).to_contain_text("digits.skops")
    page.set_input_files("#file", str(tmp_path / "digit.png"))
    expect(page.locator("#label")).to_have_text(expected, timeout=60_000)
    expect(page.locator("#probabilities .bar")).to_have_count(len(model.classes_))
    expect(page.locator("#views img")).to_have_count(6, timeout=120_000)
    page.set_input_files("#file", {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"})
    expect(page.locator("#error")).to_contain_text("notes.txt: ", timeout=30_000)
    assert page.text_content("#error").startswith("notes.txt: ")
    assert outside == []
    page.close()
