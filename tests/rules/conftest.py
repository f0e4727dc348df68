import datetime as dt

import pytest

from rules.engine import CallbackRequest

UTC = dt.UTC
# A Monday morning, far from any DST change.
NOW = dt.datetime(2027, 1, 4, 10, 0, tzinfo=UTC)

LANDLINE = "+442079460958"  # GB fixed line
MOBILE = "+447400123456"  # GB mobile
PREMIUM = "+449012345678"  # GB premium rate
SHARED_COST = "+33884012345"  # FR shared cost
FRENCH = "+33612345678"  # FR mobile
AMERICAN = "+12015550123"  # US


def make_request(queue, phone_number=LANDLINE, *, desired_time=None, now=NOW, moving=None, region=None):
    return CallbackRequest(
        queue=queue,
        phone_number=phone_number,
        region=region,
        desired_time=desired_time,
        now=now,
        moving_id=moving.pk if moving else None,
    )


@pytest.fixture
def request_for():
    return make_request
