"""What a sign-in locked out by django-axes answers, and the address it counts failures by."""

import math

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from .base.errors import is_api


def client_address(request) -> str:
    """The client's address as DRF's throttles read it, so both agree behind NUM_PROXIES proxies."""
    return BaseThrottle().get_ident(request)


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: JSON on API paths, the lockout page elsewhere.

    Retry-After is the whole cool-off: it runs from the latest failure, at most that long ago.
    """
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    retry_after = str(minutes * 60)
    if is_api(request):
        return JsonResponse(
            {
                "code": "locked_out",
                "detail": f"Too many failed sign-ins. Try again in {minutes} minutes, "
                "or ask an administrator to unlock the account.",
            },
            status=429,
            headers={"Retry-After": retry_after},
        )
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = retry_after
    return response
