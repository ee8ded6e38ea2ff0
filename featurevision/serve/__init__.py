"""``featurevision serve``: a fitted model behind a REST API, with a teaching page.

Needs the ``serve`` extra (``pip install "featurevision[serve]"``: FastAPI, uvicorn,
python-multipart). Only :mod:`.app` imports FastAPI; :mod:`.decode` (uploaded bytes →
images), :mod:`.served_model` (the loaded model) and :mod:`.views` (feature views as PNG)
need nothing beyond featurevision's own dependencies.
"""
