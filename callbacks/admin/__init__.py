"""The callbacks app's admin, one module per concern; importing them registers their model admins."""

from . import access, records
from .callback import CallbackForm

__all__ = ["CallbackForm", "access", "records"]
