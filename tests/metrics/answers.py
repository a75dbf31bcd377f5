"""The stored metric answers (word count, title matrix) held to the reporting views, for every user."""

import json

import transaction
from sqlalchemy import text

from jobhax.db import get_session_factory, get_tm_session
from jobhax.metrics.queries import JOBTITLE_AND_STATUSES, WORD_COUNT


def answers_from_views(connection, user_id):
    """What get_word_count and get_count_by_jobtitle_and_statuses must answer, from the reporting views and
    the statuses alone (Python compares strings by code point, as the contract orders them)."""
    companies = connection.execute(
        text("SELECT company, count FROM reporting.company_counts WHERE user_id = :u"), {"u": user_id}
    ).all()
    words = [
        {"word": company, "value": count} for company, count in sorted(companies, key=lambda r: (-r[1], r[0]))
    ]
    cells = connection.execute(
        text("SELECT job_title, status_id, count FROM reporting.title_status_counts WHERE user_id = :u"),
        {"u": user_id},
    ).all()
    statuses = connection.execute(
        text(
            "SELECT id, value FROM application_statuses "
            "WHERE user_id IS NULL OR (user_id = :u AND deleted_at IS NULL) ORDER BY id"
        ),
        {"u": user_id},
    ).all()
    totals = {}
    for title, _, count in cells:
        totals[title] = totals.get(title, 0) + count
    jobs = sorted(totals, key=lambda title: (-totals[title], title))
    counts = {(title, status_id): count for title, status_id, count in cells}
    matrix = {
        "jobs": jobs,
        "statuses": [value for _, value in statuses],
        "data": [
            {"name": value, "data": [counts.get((title, status_id), 0) for title in jobs]}
            for status_id, value in statuses
        ],
    }
    return {WORD_COUNT.name: words, JOBTITLE_AND_STATUSES.name: matrix}


def read_answers(engine, user_id):
    """Both answers as the endpoints get them (stored on the way when missing), in a transaction of its own
    managed like a request's."""
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    session = get_tm_session(get_session_factory(engine), manager)
    try:
        found = {
            answer.name: json.loads(answer.json(session, user_id))
            for answer in (WORD_COUNT, JOBTITLE_AND_STATUSES)
        }
        manager.commit()
    except BaseException:
        manager.abort()
        raise
    return found


def assert_answers_agree(engine):
    """Every user's answers equal the views'; then they are stored. Called after each write, this fails on
    an answer stored before the write and not forgotten by it."""
    with engine.connect() as connection:
        user_ids = connection.scalars(text("SELECT id FROM users ORDER BY id")).all()
        expected = {user_id: answers_from_views(connection, user_id) for user_id in user_ids}
        orphans = connection.scalar(
            text(
                "SELECT count(*) FROM metrics.answer_cache c "
                "WHERE NOT EXISTS (SELECT FROM users u WHERE u.id = c.user_id)"
            )
        )
    assert orphans == 0
    for user_id in user_ids:
        assert read_answers(engine, user_id) == expected[user_id], user_id


def stored_names(engine, user_id):
    with engine.connect() as connection:
        return set(
            connection.scalars(
                text("SELECT name FROM metrics.answer_cache WHERE user_id = :u"), {"u": user_id}
            ).all()
        )
