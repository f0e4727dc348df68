"""Where a phone number is: its country and, in the US and Canada, its state or province.

Calling policies and public holidays differ by US state and Canadian province, and
a NANP number's area code says which one it belongs to. The table below is by area
code rather than phonenumbers' geocoder because the geocoder answers with a city
("New York, NY", "Toronto, ON") for many codes and with nothing for some (905).
A number that has moved with its owner (number portability, a mobile taken along)
is placed where its area code is: that is all a number says.
"""

import phonenumbers
from phonenumbers import geocoder

# Geographic area codes in service, overlays included, by ISO 3166-2 subdivision as
# the `holidays` package spells it. Taken from libphonenumber's numbering metadata and
# geocoding data (phonenumbers 9.0.43), which follow the assignments of NANPA
# (nationalnanpa.com) and of the Canadian Numbering Administrator (cnac.ca);
# tests/queues/test_regions.py checks the table against the installed phonenumbers,
# so an upgrade that brings a new area code fails there until it is added here.
# Non-geographic codes (toll-free 8XX, 500s, 600, 900) are left out on purpose.
_AREA_CODES = {
    "CA": {
        "AB": "368 403 587 780 825",
        "BC": "236 250 257 604 672 778",
        "MB": "204 431 584",
        "NB": "428 506",
        "NL": "709 879",
        "ON": "226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807 905 942",
        "QC": "263 273 354 367 418 438 450 468 514 579 581 819 873",
        "SK": "306 474 639",
    },
    "US": {
        "AK": "907",
        "AL": "205 251 256 334 659 938",
        "AR": "327 479 501 870",
        "AZ": "480 520 602 623 928",
        "CA": (
            "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 "
            "657 661 669 707 714 738 747 760 805 818 820 831 840 858 909 916 925 949 951"
        ),
        "CO": "303 719 720 748 970 983",
        "CT": "203 475 860 959",
        "DC": "202 771",
        "DE": "302",
        "FL": ("239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954"),
        "GA": "229 404 470 478 678 706 762 770 912 943",
        "HI": "808",
        "IA": "319 515 563 641 712",
        "ID": "208 986",
        "IL": "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872",
        "IN": "219 260 317 463 574 765 812 930",
        "KS": "316 620 785 913",
        "KY": "270 364 502 606 859",
        "LA": "225 318 337 504 985",
        "MA": "339 351 413 508 617 774 781 857 978",
        "MD": "227 240 301 410 443 667",
        "ME": "207",
        "MI": "231 248 269 313 517 586 616 734 810 906 947 989",
        "MN": "218 320 507 612 651 763 952",
        "MO": "235 314 417 557 573 636 660 816 975",
        "MS": "228 601 662 769",
        "MT": "406",
        "NC": "252 336 472 704 743 828 910 919 980 984",
        "ND": "701",
        "NE": "308 402 531",
        "NH": "603",
        "NJ": "201 551 609 640 732 848 856 862 908 973",
        "NM": "505 575",
        "NV": "702 725 775",
        "NY": ("212 315 329 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934"),
        "OH": "216 220 234 283 326 330 380 419 440 513 567 614 740 937",
        "OK": "405 539 572 580 918",
        "OR": "458 503 541 971",
        "PA": "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878",
        "RI": "401",
        "SC": "803 821 839 843 854 864",
        "SD": "605",
        "TN": "423 615 629 731 865 901 931",
        "TX": (
            "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 "
            "903 915 936 940 945 956 972 979"
        ),
        "UT": "385 435 801",
        "VA": "276 434 540 571 686 703 757 804 826 948",
        "VT": "802",
        "WA": "206 253 360 425 509 564",
        "WI": "262 274 353 414 534 608 715 920",
        "WV": "304 681",
        "WY": "307",
    },
}

# Codes shared by provinces or territories: the exchange decides, and only the
# geocoder knows exchanges ("Charlottetown, PE"); without one the answer is "".
_SHARED_AREA_CODES = {
    "782": ("NS", "PE"),
    "902": ("NS", "PE"),
    "867": ("NT", "NU", "YT"),
}

_SUBDIVISION_BY_AREA_CODE = {
    code: subdivision
    for subdivisions in _AREA_CODES.values()
    for subdivision, codes in subdivisions.items()
    for code in codes.split()
}


def region_for_number(number: phonenumbers.PhoneNumber) -> str:
    """The number's ISO 3166-1 country ("US", "JM"), "" when unknown or not a country's."""
    region = phonenumbers.region_code_for_number(number)
    # "001" is libphonenumber's code for global services (+800, +882 …), no country.
    return region if region and region.isalpha() else ""


def subdivision_for_number(number: phonenumbers.PhoneNumber) -> str:
    """The US state or Canadian province of a NANP number ("FL", "ON"), else ""."""
    national = str(number.national_number)
    if number.country_code != 1 or len(national) != 10:
        return ""
    area_code = national[:3]
    if area_code in _SHARED_AREA_CODES:
        place = geocoder.description_for_number(number, "en")
        suffix = place.rpartition(", ")[2]
        return suffix if suffix in _SHARED_AREA_CODES[area_code] else ""
    return _SUBDIVISION_BY_AREA_CODE.get(area_code, "")
