"""The seed's stack for the demo-app benchmark: the same routes and JSON as the Koa demo app,
served by Flask under gunicorn (`gunicorn -w <cores> flask_app:app`)."""
from flask import Flask, jsonify

app = Flask(__name__)

VERSION = {"version": "1.0.0-bench", "commit": "0123456789abcdef0123456789abcdef01234567", "builtAt": None}


@app.get("/")
def index():
    return jsonify(name="shipyard-demo-app", version=VERSION["version"], commit=VERSION["commit"], environment="bench")


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.get("/ready")
def ready():
    return jsonify(status="ready")


@app.get("/version")
def version():
    return jsonify(VERSION)
