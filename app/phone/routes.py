"""Twilio webhooks. (Stub: filled in by the phone work.)"""
from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("phone", __name__)
csrf.exempt(bp)
