"""What mail says, table-driven: ATS confirmations per ATS, status outcomes per outcome, and what is neither.

The phrasings here go beyond the shared wave-2 fixtures: other employers, other templates, other words.
"""

import json
from pathlib import Path

import pytest

from jobhax.mailimport import classifier
from jobhax.mailimport.classifier import CONFIRMATION, INTERVIEW, OFFER, ONSITE, PHRASES, REJECTION, classify
from jobhax.mailimport.matching import Tracked, company_key, match_application, titles_agree
from jobhax.mailimport.parsers import ParsedApplication, ParsedUpdate, UnparseableMessage, parse_message
from tests.mailimport.builder import alternative, html, message, text

WAVE2 = Path(__file__).resolve().parent.parent / "fixtures" / "gmail" / "wave2"


def parse(sender, subject, body, plain=None):
    payload = alternative(text(plain), html(body)) if plain else html(body)
    return parse_message(message(payload, sender=sender, subject=subject))


# -- ATS confirmations ------------------------------------------------------------------------------------

ATS_CONFIRMATIONS = [
    # Greenhouse
    (
        "Acme Recruiting <no-reply@greenhouse.io>",
        "Thank you for applying to Acme",
        "<p>Thank you for your interest in Acme! We wanted to let you know we received your application for"
        " Senior Backend Engineer, and we are delighted that you would consider joining our team.</p>",
        ("Greenhouse", "Acme", "Senior Backend Engineer"),
    ),
    (
        "Stripe <no-reply@us.greenhouse-mail.io>",
        "Thanks for applying to Stripe!",
        "<p>Hi Sam,</p><p>Thanks for applying for the Software Engineer, Infrastructure role at Stripe. We've"
        " received your application.</p>",
        ("Greenhouse", "Stripe", "Software Engineer, Infrastructure"),
    ),
    (
        "Initrode Hiring Team <no-reply@greenhouse.io>",
        "Application received",
        "<p>Hi Sam, your application for the Product Designer position has been received.</p>",
        ("Greenhouse", "Initrode", "Product Designer"),
    ),
    (
        "Pied Piper via Greenhouse <no-reply@greenhouse-mail.io>",
        "We received your application",
        "<div>Thanks for applying! We received your application for <strong>Compression Engineer</strong>."
        "</div>",
        ("Greenhouse", "Pied Piper", "Compression Engineer"),
    ),
    # Lever
    (
        "Globex <no-reply@hire.lever.co>",
        "Thank you for your application to Globex",
        "<p>Hi Sam,</p><p>Thank you for applying to Globex for the Site Reliability Engineer position.</p>",
        ("Lever", "Globex", "Site Reliability Engineer"),
    ),
    (
        "Soylent Corp <no-reply@hire.lever.co>",
        "Soylent Corp - Application Received",
        "<p>Thank you for your interest in Soylent Corp. We've received your application for Data Engineer."
        "</p>",
        ("Lever", "Soylent Corp.", "Data Engineer"),
    ),
    (
        "Massive Dynamic <no-reply@lever.co>",
        "Thanks for applying!",
        "<p>Thanks for applying to the Staff iOS Engineer role at Massive Dynamic."
        " Our team will review it.</p>",
        ("Lever", "Massive Dynamic", "Staff iOS Engineer"),
    ),
    # Workday
    (
        "Initech Careers <initech@myworkday.com>",
        "Thank you for applying for Senior Accountant",
        "<p>Dear Sam,</p><p>Thank you for applying for the Senior Accountant position at Initech, Inc.</p>",
        ("Workday", "Initech, Inc.", "Senior Accountant"),
    ),
    (
        "Umbrella Corporation <umbrella@wd5.myworkday.com>",
        "Application Received - Research Scientist (JR-2031)",
        "<p>We have received your application for Research Scientist (JR-2031). You can track it in your"
        " candidate home.</p>",
        ("Workday", "Umbrella Corporation", "Research Scientist"),
    ),
    (
        "cyberdyne@myworkday.com",
        "Application submitted: Robotics Engineer",
        "<p>Thank you for your application. Your submission has been received.</p>",
        ("Workday", "Cyberdyne", "Robotics Engineer"),
    ),
    # Ashby
    (
        "Linear <no-reply@ashbyhq.com>",
        "Thanks for applying to Linear",
        "<p>We've received your application for the Product Engineer role and will get back to you.</p>",
        ("Ashby", "Linear", "Product Engineer"),
    ),
    (
        "Ramp Hiring Team <no-reply@ashbyhq.com>",
        "Your application to Ramp",
        "<p>Hi Sam, thank you for applying to be a Software Engineer, Frontend at Ramp.</p>",
        ("Ashby", "Ramp", "Software Engineer, Frontend"),
    ),
    (
        "Notion <notifications@ashbyhq.com>",
        "Application received: Data Scientist",
        "<p>Thank you for your interest in Notion.</p>",
        ("Ashby", "Notion", "Data Scientist"),
    ),
    # SmartRecruiters
    (
        "Bosch <noreply@smartrecruiters.com>",
        "Thank you for applying for Embedded Software Engineer",
        "<p>Dear Sam, thank you for your application for the position Embedded Software Engineer.</p>",
        ("SmartRecruiters", "Bosch", "Embedded Software Engineer"),
    ),
    (
        "Visa Careers <noreply@smartrecruiters.com>",
        "Your application for Senior Product Manager",
        "<p>Thank you for applying to Visa."
        " We have received your application for Senior Product Manager.</p>",
        ("SmartRecruiters", "Visa", "Senior Product Manager"),
    ),
    (
        "Ikea <jobs@mail.smartrecruiters.com>",
        "Application confirmation - Store Manager",
        "<p>Thanks for your interest in IKEA! Your application was submitted.</p>",
        ("SmartRecruiters", "IKEA", "Store Manager"),
    ),
    # iCIMS
    (
        "Acme Careers <acme-careers@talent.icims.com>",
        "Thank you for applying to Acme Corporation",
        "<p>Thank you for applying for the Warehouse Associate position.</p>",
        ("iCIMS", "Acme Corporation", "Warehouse Associate"),
    ),
    (
        "Wayne Enterprises Talent Acquisition <noreply@icims.com>",
        "Application Received",
        "<p>Dear Sam,</p><p>We have received your application for the position of Security Analyst. Thank"
        " you for your interest in Wayne Enterprises.</p>",
        ("iCIMS", "Wayne Enterprises", "Security Analyst"),
    ),
    (
        "Stark Industries <donotreply@stark.icims.com>",
        "Stark Industries: Application Received for Mechanical Engineer",
        "<p>Thank you for your interest in Stark Industries.</p>",
        ("iCIMS", "Stark Industries", "Mechanical Engineer"),
    ),
]


@pytest.mark.parametrize(
    "sender, subject, body, expected", ATS_CONFIRMATIONS, ids=[row[3][0] for row in ATS_CONFIRMATIONS]
)
def test_ats_confirmations(sender, subject, body, expected):
    parsed = parse(sender, subject, body)
    assert isinstance(parsed, ParsedApplication)
    assert (parsed.source, parsed.company, parsed.job_title) == expected
    assert parsed.company_logo is None and parsed.linkedin_job_id is None


def test_ats_confirmation_in_plain_text_only():
    parsed = parse_message(
        message(
            text(
                "Hello,\nThank you for applying to Hooli.\n"
                "Your application for the Growth Hacker role was received.\n"
            ),
            sender="Hooli Recruiting <no-reply@greenhouse.io>",
            subject="Hooli",
        )
    )
    assert (parsed.source, parsed.company, parsed.job_title) == ("Greenhouse", "Hooli", "Growth Hacker")


@pytest.mark.parametrize(
    "sender, subject, body",
    [
        (
            "Greenhouse <no-reply@greenhouse.io>",
            "Thanks for applying",
            "<p>We received your application.</p>",
        ),
        ("Acme <no-reply@hire.lever.co>", "Thank you for applying to Acme", "<p>We'll be in touch.</p>"),
    ],
)
def test_an_ats_confirmation_without_title_or_company_is_unparseable(sender, subject, body):
    with pytest.raises(UnparseableMessage):
        parse(sender, subject, body)


@pytest.mark.parametrize(
    "sender",
    ["x@greenhouse.io.evil.example", "x@notgreenhouse.io", "x@lever.com", "x@myworkday.co", "x@icims.org"],
)
def test_only_the_ats_domains_and_their_subdomains_send_confirmations(sender):
    body = "<p>Thank you for applying to Acme for the Engineer position.</p>"
    assert not isinstance(parse(sender, "Thank you for applying to Acme", body), ParsedApplication)


# -- status outcomes --------------------------------------------------------------------------------------

OUTCOMES = [
    # Interview → Phone Screen
    (
        "Interview with Acme",
        "Hi Sam, thanks for applying to Acme. We were impressed by your background and would like to"
        " invite you"
        " to a 30-minute video interview. Please choose a time using the link below.",
        INTERVIEW,
    ),
    (
        "Quick call?",
        "I'm the recruiter for the Senior Engineer role at Acme."
        " Could you share your availability for this week?",
        INTERVIEW,
    ),
    (
        "Acme: Interview invitation",
        "We'd like to set up a technical interview with our engineers.",
        INTERVIEW,
    ),
    ("Next steps", "Please self-schedule here: https://app.goodtime.io/x/abc", INTERVIEW),
    (
        "Your application",
        "We reviewed your application and would love to schedule a call with the hiring manager.",
        INTERVIEW,
    ),
    # Onsite / final round → Onsite Interview
    (
        "Great news",
        "Congratulations on passing the phone screen! We'd like to bring you in for an onsite interview.",
        ONSITE,
    ),
    ("Virtual onsite", "You're invited to our virtual onsite: four interviews with the team.", ONSITE),
    ("Final round", "We'd like to invite you to the final round of interviews with our leadership.", ONSITE),
    ("Next step", "The next step is a panel interview at our Berlin office.", ONSITE),
    # Offer
    ("Congratulations!", "We're delighted to offer you the position of Senior Engineer at Acme!", OFFER),
    ("Your offer", "Please find attached your offer letter.", OFFER),
    ("Welcome", "We would like to make you an offer to join Acme as a Senior Engineer.", OFFER),
    # Rejection (wins over any other wording)
    (
        "Your application",
        "After careful consideration, we have decided not to proceed with your application.",
        REJECTION,
    ),
    ("Update", "We regret to inform you that the position has been filled.", REJECTION),
    ("Acme update", "We will not be moving forward with your candidacy at this time.", REJECTION),
    (
        "Thank you",
        "Thank you for interviewing with us for the onsite. We've decided to pursue other candidates.",
        REJECTION,
    ),
    (
        "Thanks for applying",
        "Thanks for applying to Acme! Unfortunately we won't be moving forward with your application.",
        REJECTION,
    ),
    # Confirmations that mention interviews only as a possibility
    (
        "Thanks for applying",
        "We received your application. If your background matches, we will contact you to schedule an"
        " interview.",
        CONFIRMATION,
    ),
    (
        "Application received",
        "Thank you for applying! Next steps: our team will review your application and be in touch.",
        CONFIRMATION,
    ),
    (
        "Thanks for applying",
        "Due to the high volume of applications, unfortunately we cannot respond to every applicant. Only"
        " candidates selected for an interview will be contacted.",
        CONFIRMATION,
    ),
    # Nothing
    (
        "5 tips to ace your next interview",
        "Our monthly newsletter: five tips to prepare for interviews.",
        None,
    ),
    ("Reschedule", "Unfortunately I need to reschedule our chat to Thursday.", None),
]


@pytest.mark.parametrize("subject, body, outcome", OUTCOMES)
def test_outcomes(subject, body, outcome):
    assert classify([subject, body]) == outcome


def _sample(phrase):
    return phrase.lstrip("~").replace("*", "a quick")


@pytest.mark.parametrize(
    "outcome, phrase", [(outcome, phrase) for outcome, phrases in PHRASES.items() for phrase in phrases]
)
def test_every_phrase_of_the_tables_is_recognised(outcome, phrase):
    """Each table line works on its own, in any case and with curly apostrophes."""
    found = classify([f"Hello Sam. {_sample(phrase).upper().replace(chr(39), chr(8217))}!"])
    stronger = classifier.PRECEDENCE[: classifier.PRECEDENCE.index(outcome) + 1]
    assert found in stronger


@pytest.mark.parametrize(
    "sender, subject, body",
    [
        (
            "Greenhouse <news@greenhouse.io>",
            "5 tips to ace your next interview",
            "<p>Our monthly newsletter: five tips to prepare for interviews.</p>",
        ),
        (
            "Acme Jobs <jobs@acme.example>",
            "New jobs matching Software Engineer",
            "<p>Recommended jobs for you at Acme. Schedule a call with a career coach!</p>",
        ),
        (
            "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
            "Job alert: 30+ new jobs",
            "<p>Jobs you may be interested in: Phone screen specialist at Acme.</p>",
        ),
        (
            "Acme Careers <careers@acme.example>",
            "We received your application",
            "<p>We received your application. If selected, we will reach out to schedule a phone screen.</p>",
        ),
    ],
)
def test_newsletters_job_alerts_and_received_applications_are_no_update(sender, subject, body):
    assert not isinstance(parse(sender, subject, body), ParsedUpdate)


def test_a_rejection_from_an_ats_is_an_update_not_an_application():
    parsed = parse(
        "Acme Recruiting <no-reply@greenhouse.io>",
        "Thank you for applying to Acme",
        "<p>Thank you for applying. Unfortunately, we will not be moving forward.</p>",
    )
    assert isinstance(parsed, ParsedUpdate) and parsed.outcome == REJECTION


def test_the_wave2_updates_are_updates_with_their_outcomes():
    outcomes = {}
    for entry in json.loads((WAVE2 / "EXPECTED.json").read_text())["messages"]:
        parsed = parse_message(json.loads((WAVE2 / entry["file"]).read_text()))
        outcomes[entry["file"]] = (
            parsed.outcome if isinstance(parsed, ParsedUpdate) else type(parsed).__name__
        )
    assert outcomes == {
        "greenhouse_confirmation.json": "ParsedApplication",
        "lever_confirmation.json": "ParsedApplication",
        "workday_confirmation.json": "ParsedApplication",
        "ashby_confirmation.json": "ParsedApplication",
        "greenhouse_phone_screen.json": INTERVIEW,
        "lever_rejection.json": REJECTION,
        "northwind_onsite.json": ONSITE,
        "ashby_offer.json": OFFER,
        "untracked_rejection.json": REJECTION,
        "greenhouse_newsletter.json": "NoneType",
        "hostile_nul_and_script.json": "ParsedApplication",
    }


# -- matching ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "one, other",
    [
        ("Acme, Inc.", "ACME"),
        ("Acme Inc", "acme"),
        ("The Acme Company LLC", "acme company"),
        ("Initech, Inc.", "INITECH"),
        ("Société Générale S.A.", "Societe Generale"),
        ("Procter & Gamble Co.", "Procter and Gamble"),
        ("Lowe's Companies, Inc.", "LOWE\u2019S COMPANIES"),
        ("Coca-Cola GmbH", "coca cola"),
    ],
)
def test_companies_compare_case_punctuation_accent_and_legal_suffix_insensitively(one, other):
    assert company_key(one) == company_key(other)


@pytest.mark.parametrize("one, other", [("Acme", "Acme Labs"), ("Globex", "Globes"), ("Inc", "Co")])
def test_different_companies_differ(one, other):
    assert company_key(one) != company_key(other)


@pytest.mark.parametrize(
    "named, tracked, agree",
    [
        ("Sr. Software Engineer", "Senior Software Engineer", True),
        ("Backend Engineer", "Backend Engineer, Payments", True),
        ("Frontend Engineer", "Backend Engineer, Payments", False),
        ("Data Analyst", "Data Scientist", False),
    ],
)
def test_titles_agree_when_one_holds_the_other(named, tracked, agree):
    assert titles_agree(named, tracked) is agree


def _update(sender, subject, body):
    parsed = parse(sender, subject, body)
    assert isinstance(parsed, ParsedUpdate)
    return parsed


def _tracked(*rows):
    import datetime

    date = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    return [
        Tracked(n, company, title, date + datetime.timedelta(days=n), False)
        for n, (company, title) in enumerate(rows)
    ]


def test_the_newest_of_several_candidates_wins():
    parsed = _update(
        "Acme Talent <talent@acme.example>", "Phone screen", "<p>Let's schedule a phone screen.</p>"
    )
    tracked = _tracked(("Acme", "Engineer"), ("ACME Inc.", "Designer"), ("Globex", "Engineer"))
    assert match_application(parsed.evidence, parsed.date, tracked) == 1


def test_a_named_title_picks_its_application_and_another_title_matches_none():
    tracked = _tracked(("Acme", "Backend Engineer"), ("Acme", "Data Scientist"))
    named = _update(
        "Acme <no-reply@hire.lever.co>",
        "Your application",
        "<p>Thank you for applying for the Backend Engineer role."
        " Unfortunately, the role has been filled.</p>",
    )
    assert match_application(named.evidence, named.date, tracked) == 0
    other = _update(
        "Acme <no-reply@hire.lever.co>",
        "Your application",
        "<p>Thank you for applying for the Product Manager role."
        " Unfortunately, the role has been filled.</p>",
    )
    assert match_application(other.evidence, other.date, tracked) is None


def test_an_untracked_company_matches_nothing():
    parsed = _update(
        "Hooli Recruiting <no-reply@greenhouse.io>",
        "Update",
        "<p>Unfortunately, the position has been filled.</p>",
    )
    assert match_application(parsed.evidence, parsed.date, _tracked(("Acme", "Engineer"))) is None


def test_a_short_company_name_in_the_body_alone_is_not_enough():
    parsed = _update(
        "Talent <talent@jobs.example>",
        "Update",
        "<p>Unfortunately we chose a candidate from IBM instead.</p>",
    )
    assert match_application(parsed.evidence, parsed.date, _tracked(("IBM", "Engineer"))) is None
    parsed = _update(
        "IBM Careers <careers@ibm.example>", "Update", "<p>Unfortunately, the role has been filled.</p>"
    )
    assert match_application(parsed.evidence, parsed.date, _tracked(("IBM", "Engineer"))) == 0


def test_an_update_with_a_similar_jobs_section_is_still_an_update():
    parsed = parse(
        "LinkedIn <jobs-noreply@linkedin.com>",
        "Your application to Senior Engineer at Acme",
        "<p>Thank you for your interest in the Senior Engineer position at Acme. Unfortunately, Acme has decided"
        " not to move forward with your application.</p><h2>Similar jobs you may be interested in</h2>"
        "<p>Staff Engineer at Globex</p>",
    )
    assert isinstance(parsed, ParsedUpdate) and parsed.outcome == REJECTION
    tracked = _tracked(("Globex", "Staff Engineer"), ("Acme", "Senior Engineer"))
    assert match_application(parsed.evidence, parsed.date, tracked) == 1


def test_a_title_phrase_that_names_the_company_is_no_title():
    parsed = _update(
        "Acme <no-reply@hire.lever.co>",
        "Regarding your application for Acme",
        "<p>Unfortunately, the role has been filled.</p>",
    )
    assert parsed.evidence.title == "Acme"
    assert match_application(parsed.evidence, parsed.date, _tracked(("Acme", "Backend Engineer"))) == 0
