#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callbackproject.settings")
    # Run by hand in a checkout, it is development: DEBUG on unless the environment says otherwise.
    # Production sets DEBUG=false; its servers (gunicorn, celery) never come through here.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
