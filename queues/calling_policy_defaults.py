"""Default calling policies: when, and how often, a number may be dialled where it is.

One row per country, and for the US and Canada per state or province where the
local rule is stricter than the national one. The lead's CallingPolicy migration
loads these rows; administrators edit them from there. A number is placed by
`queues.regions` (country from phonenumbers, state or province from the area code).

These are the published rules for *telemarketing*, unsolicited sales calls. Our
callbacks are asked for by the customer, and most of these laws exempt calls made
at the called person's request (the TCPA's "prior express invitation or
permission", Florida's "express request of the person called", France's
"consentement exprès et préalable"), so applying them is stricter than the law
needs. The product chooses the strict side on purpose: a contact center should not
have to prove, call by call, that a request was its legal basis.

A subdivision's row is the whole policy there: it already combines the national
rule with the local one, taking the stricter of each, so a lookup takes the
subdivision's row when there is one and the country's otherwise. Only rules that a
law, regulation or regulator states are here; where a country has no statutory
hours and a row follows an industry code instead, its note says so.

Keys of each row:
    country               ISO 3166-1 alpha-2
    subdivision           "" for the whole country, else the ISO 3166-2 code
                          without the country prefix, as the `holidays` package has it
    hours                 weekday (0 = Monday … 6 = Sunday) → list of ["HH:MM", "HH:MM"]
                          local-time ranges, "24:00" allowed as a close; a weekday that
                          is absent or empty has no calls
    no_calls_on_holidays  no calls on the public holidays `holidays` knows for the
                          country (and subdivision)
    max_attempts_per_24h  dial attempts per number in any rolling 24 hours, or None
    note                  the source and what it says
"""

_WEEKDAYS = range(0, 5)
_EVERY_DAY = range(0, 7)


def _same_hours(days, *ranges):
    return {day: [list(r) for r in ranges] for day in days}


DEFAULT_POLICIES = [
    # United States ------------------------------------------------------------
    {
        "country": "US",
        "subdivision": "",
        "hours": _same_hours(_EVERY_DAY, ("08:00", "21:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "TCPA, 47 CFR 64.1200(c)(1): no telephone solicitation to a residential subscriber "
                "before 8 a.m. or after 9 p.m. local time at the called party's location. The FTC's "
                "Telemarketing Sales Rule, 16 CFR 310.4(c), sets the same hours.",
    },
    {
        "country": "US",
        "subdivision": "FL",
        "hours": _same_hours(_EVERY_DAY, ("08:00", "20:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": 3,
        "note": "Florida Telemarketing Act, Fla. Stat. 501.616(6) as amended by SB 1120 (2021, with the "
                "Florida Telephone Solicitation Act, 501.059): (a) no commercial telephone solicitation "
                "call before 8 a.m. or after 8 p.m. in the called person's time zone; (b) no more than "
                "three such calls from any number to a person in 24 hours on the same subject matter.",
    },
    {
        "country": "US",
        "subdivision": "OK",
        "hours": _same_hours(_EVERY_DAY, ("08:00", "20:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": 3,
        "note": "Oklahoma Telephone Solicitation Act of 2022 (HB 3168), 15 O.S. 775C.1 et seq., in force "
                "1 November 2022: no commercial telephone solicitation before 8 a.m. or after 8 p.m. "
                "local time; no more than three such calls to a person in 24 hours on the same subject "
                "matter.",
    },
    # Canada -------------------------------------------------------------------
    {
        "country": "CA",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("09:00", "21:30")) | _same_hours((5, 6), ("10:00", "18:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "CRTC Unsolicited Telecommunications Rules, Part III (Telemarketing Rules): telemarketing "
                "calls only between 9:00 a.m. and 9:30 p.m. on weekdays and between 10:00 a.m. and "
                "6:00 p.m. on weekends, in the called consumer's time zone (crtc.gc.ca, Key Unsolicited "
                "Telecommunications Rules); provincial rules may restrict further.",
    },
    # Europe -------------------------------------------------------------------
    {
        "country": "FR",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("10:00", "13:00"), ("14:00", "20:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": 4,
        "note": "Code de la consommation, art. D. 223-9 (décret n° 2022-1313 du 13 octobre 2022, in force "
                "1 March 2023): telephone prospecting only Monday to Friday, not on public holidays "
                "(art. L. 3133-1 code du travail), 10:00-13:00 and 14:00-20:00 in the consumer's time "
                "zone; no more than four calls or attempts by one professional in 30 calendar days, "
                "and none for 60 days after a refusal. A 24-hour count cannot express the 30-day "
                "limit: 4 is the most it allows in any one day.",
    },
    {
        "country": "GB",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("08:00", "21:00")) | _same_hours((5, 6), ("09:00", "21:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "No statutory calling hours in the UK: PECR 2003 (regs. 21 and 24) and Ofcom's "
                "persistent-misuse policy (Communications Act 2003 ss. 128-131, statement of "
                "20 December 2016) regulate consent, caller ID and abandoned calls, not times of day. "
                "Hours follow the industry code: the DMA Direct Marketing Code of Practice (s. 21.41 of "
                "an earlier edition) advises no calls between 9 p.m. and 8 a.m. on weekdays or between "
                "9 p.m. and 9 a.m. at weekends without the consumer's permission.",
    },
    # Asia-Pacific ---------------------------------------------------------------
    {
        "country": "AU",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("09:00", "20:00")) | _same_hours((5,), ("09:00", "17:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Telecommunications (Telemarketing and Research Calls) Industry Standard 2017 (ACMA), "
                "calling times: telemarketing calls only 9 a.m.-8 p.m. on weekdays and 9 a.m.-5 p.m. on "
                "Saturdays; none on Sundays or national public holidays, unless the consumer has "
                "expressly consented (donotcall.gov.au, industry standards). Holidays here are the "
                "national ones the holidays package lists for Australia.",
    },
]
