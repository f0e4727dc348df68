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
hours and a row follows an industry code instead, or a row rests on summaries
because the rule's own text could not be read, its note says so. Limits over
periods other than 24 hours (France's 4 in 30 days, British Columbia's once in 30
days) do not fit `max_attempts_per_24h` and are in the note for administrators.

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
_MONDAY_TO_SATURDAY = range(0, 6)
_EVERY_DAY = range(0, 7)
_SATURDAY = (5,)
_SUNDAY = (6,)
_WEEKEND = (5, 6)


def _same_hours(days, *ranges):
    return {day: [list(r) for r in ranges] for day in days}


DEFAULT_POLICIES = [
    # United States: the federal rule, then states with stricter ones --------------
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
        "subdivision": "AL",
        "hours": _same_hours(_MONDAY_TO_SATURDAY, ("08:00", "20:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": 'Alabama Public Service Commission, Ala. Admin. Code r. 770-X-5-.17 ("Live and '
        'Automated Solicitations and Announcements"), (1)(b): no solicitation calls on Sundays '
        "or holidays; on other days none before 8 a.m. or after 8 p.m. Paragraph (1) is stated "
        "for automated calls; the row applies it to every call.",
    },
    {
        "country": "US",
        "subdivision": "CT",
        "hours": _same_hours(_EVERY_DAY, ("09:00", "20:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "Conn. Gen. Stat. 42-288a as amended by Public Act 23-98 (SB 1058, in force "
        "1 October 2023): telephonic sales calls only between 9 a.m. and 8 p.m. local time.",
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
        "subdivision": "LA",
        "hours": _same_hours(_MONDAY_TO_SATURDAY, ("08:00", "20:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Louisiana Public Service Commission Do Not Call Program, General Order R-29617 "
        "(under La. R.S. 45:844.11 et seq.): telephonic solicitations 8 a.m. to 8 p.m., none "
        "on Sundays or legal holidays, including holidays the governor declares. The order's "
        "text could not be read; this follows compliance summaries (ClickPoint, Drop Cowboy, "
        "DNC.com). During a declared state of emergency R.S. 45:844.31 bans solicitation "
        "altogether, which no fixed row can express.",
    },
    {
        "country": "US",
        "subdivision": "MA",
        "hours": _same_hours(_EVERY_DAY, ("08:00", "20:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "201 CMR 12.02(2) (under M.G.L. c. 159C): no unsolicited telephonic sales call between "
        "8 p.m. and 8 a.m. local time at the consumer's location.",
    },
    {
        "country": "US",
        "subdivision": "MD",
        "hours": _same_hours(_EVERY_DAY, ("08:00", "20:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": 3,
        "note": "Stop the Spam Calls Act of 2023 (SB 90), Md. Code Com. Law 14-4501 et seq., in force "
        "1 January 2024: telephone solicitations only between 8 a.m. and 8 p.m. in the called "
        "party's time zone; no more than three calls or texts to a called party in 24 hours "
        "on the same subject.",
    },
    {
        "country": "US",
        "subdivision": "MS",
        "hours": _same_hours(_MONDAY_TO_SATURDAY, ("08:00", "20:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "Mississippi Telephone Solicitation Act, Miss. Code Ann. 77-3-723(1): calls only between "
        "8 a.m. and 8 p.m. Central Standard Time; no telephone solicitations on a Sunday. The "
        "former holiday ban (PSC rule 39 Miss. Admin. Code Pt. I, R. 1:28) was repealed when "
        "HB 1225 (2023) moved enforcement to the Attorney General.",
    },
    {
        "country": "US",
        "subdivision": "NM",
        "hours": _same_hours(_EVERY_DAY, ("09:00", "21:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "Unfair Practices Act, N.M. Stat. 57-12-22(B)(5): unlawful to make a telephone "
        "solicitation for a purchase of goods or services that is received before 9 a.m. or "
        "after 9 p.m.",
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
    {
        "country": "US",
        "subdivision": "PA",
        "hours": _same_hours(_EVERY_DAY, ("08:00", "21:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Telemarketer Registration Act, 73 P.S. 2245(a): (1) no telemarketing after 9 p.m. or "
        "before 8 a.m.; (10), added by Act 73 of 2019 (in force 3 December 2019), no telephone "
        "solicitation calls on legal holidays.",
    },
    {
        "country": "US",
        "subdivision": "RI",
        "hours": _same_hours(_WEEKDAYS, ("09:00", "18:00")) | _same_hours(_SATURDAY, ("10:00", "17:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Telephone Sales Solicitation Act, R.I. Gen. Laws 5-61-3.6 with the definition of "
        '"hours of operation" in 5-61-2: unsolicited telephonic sales calls only Monday to '
        "Friday 9 a.m.-6 p.m., except state or federal holidays, and Saturday 10 a.m.-5 p.m.",
    },
    {
        "country": "US",
        "subdivision": "TX",
        "hours": _same_hours(_MONDAY_TO_SATURDAY, ("09:00", "21:00")) | _same_hours(_SUNDAY, ("12:00", "21:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "Tex. Bus. & Com. Code 301.051: no telephone solicitation before 9 a.m. or after 9 p.m. "
        "on a weekday or Saturday, or before noon or after 9 p.m. on a Sunday, at the "
        "recipient's location (extended to text messages by SB 140, 2025).",
    },
    {
        "country": "US",
        "subdivision": "UT",
        "hours": _same_hours(_MONDAY_TO_SATURDAY, ("08:00", "21:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Utah Telephone and Facsimile Solicitation Act, Utah Code 13-25a-103(3): no telephone "
        "solicitation without prior express consent between 9 p.m. and 8 a.m. local time, on "
        "a Sunday, or on a legal holiday.",
    },
    {
        "country": "US",
        "subdivision": "WA",
        "hours": _same_hours(_EVERY_DAY, ("08:00", "20:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "Commercial Telephone Solicitation Act, RCW 19.158.040(2): no calls that will be "
        "received before 8 a.m. or after 8 p.m. at the call recipient's local time.",
    },
    # Canada ---------------------------------------------------------------------
    {
        "country": "CA",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("09:00", "21:30")) | _same_hours(_WEEKEND, ("10:00", "18:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "CRTC Unsolicited Telecommunications Rules, Part III (Telemarketing Rules): telemarketing "
        "calls only between 9:00 a.m. and 9:30 p.m. on weekdays and between 10:00 a.m. and "
        "6:00 p.m. on weekends, in the called consumer's time zone (crtc.gc.ca, Key Unsolicited "
        "Telecommunications Rules); provincial rules may restrict further.",
    },
    {
        "country": "CA",
        "subdivision": "BC",
        "hours": _same_hours(_WEEKDAYS, ("09:00", "21:30")) | _same_hours(_WEEKEND, ("10:00", "18:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Business Practices and Consumer Protection Act, Telemarketer Licensing Regulation, as "
        "Consumer Protection BC states it: no telemarketing calls on statutory holidays, "
        "weekdays only 9 a.m.-9:30 p.m. and weekends 10 a.m.-6 p.m. local time; and a consumer "
        "may not be contacted more than once in 30 days about the same goods or services "
        "without their permission (not expressible as a 24-hour limit).",
    },
    # Europe ---------------------------------------------------------------------
    {
        "country": "DE",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("08:00", "20:00")) | _same_hours(_SATURDAY, ("09:00", "18:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": 3,
        "note": "No statutory calling hours in Germany: UWG 7(2) no. 1 requires the consumer's prior "
        "express consent to advertising calls and says nothing of times. Hours follow the "
        "industry code, Bitkom's Verhaltensregeln für Telefonwerbung (February 2015, adopted by "
        "Deutsche Telekom Kundenservice, Vodafone and Kabel Deutschland): weekdays 8-20 h, "
        "Saturdays 9-18 h, no calls on Sundays or public holidays, at most three attempts per "
        "calendar day. Holidays here are the nationwide ones; each Land has more.",
    },
    {
        "country": "ES",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("09:00", "21:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Ley General para la Defensa de los Consumidores y Usuarios (Real Decreto Legislativo "
        "1/2007), art. 96.2: commercial telephone calls never before 9:00 or after 21:00, nor "
        "on public holidays or at weekends. Holidays here are the national ones; each "
        "autonomous community has more.",
    },
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
        "hours": _same_hours(_WEEKDAYS, ("08:00", "21:00")) | _same_hours(_WEEKEND, ("09:00", "21:00")),
        "no_calls_on_holidays": False,
        "max_attempts_per_24h": None,
        "note": "No statutory calling hours in the UK: PECR 2003 (regs. 21 and 24) and Ofcom's "
        "persistent-misuse policy (Communications Act 2003 ss. 128-131, statement of "
        "20 December 2016) regulate consent, caller ID and abandoned calls, not times of day. "
        "Hours follow the industry code: the DMA Direct Marketing Code of Practice (s. 21.41 of "
        "an earlier edition) advises no calls between 9 p.m. and 8 a.m. on weekdays or between "
        "9 p.m. and 9 a.m. at weekends without the consumer's permission.",
    },
    # Americas -------------------------------------------------------------------
    {
        "country": "CO",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("07:00", "19:00")) | _same_hours(_SATURDAY, ("08:00", "15:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": 'Ley 2300 de 2023 ("dejen de fregar"), art. 3: collection contacts and commercial or '
        "advertising calls and messages only Monday to Friday 7:00-19:00 and Saturdays "
        "8:00-15:00, none on Sundays or public holidays. Its limit of one contact a day, and "
        "one channel a week, is for debt collection.",
    },
    # Africa and Asia-Pacific ------------------------------------------------------
    {
        "country": "AU",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("09:00", "20:00")) | _same_hours(_SATURDAY, ("09:00", "17:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Telecommunications (Telemarketing and Research Calls) Industry Standard 2017 (ACMA), "
        "calling times: telemarketing calls only 9 a.m.-8 p.m. on weekdays and 9 a.m.-5 p.m. on "
        "Saturdays; none on Sundays or national public holidays, unless the consumer has "
        "expressly consented (donotcall.gov.au, industry standards). Holidays here are the "
        "national ones the holidays package lists for Australia.",
    },
    {
        "country": "ZA",
        "subdivision": "",
        "hours": _same_hours(_WEEKDAYS, ("08:00", "20:00")) | _same_hours(_SATURDAY, ("09:00", "13:00")),
        "no_calls_on_holidays": True,
        "max_attempts_per_24h": None,
        "note": "Consumer Protection Act 68 of 2008, s. 12, and its Regulations (GN R293 of 1 April "
        '2011), "Prohibited time for contacting consumers": no direct marketing to a consumer '
        "at home on Sundays or public holidays (Public Holidays Act 36 of 1994), on Saturdays "
        "before 09h00 or after 13h00, or on other days between 20h00 and 08h00.",
    },
]
