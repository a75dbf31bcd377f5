"""JSON shapes of the contract: times in UTC with ``Z``; note and history times keep microseconds."""
import datetime


def utc_z(value):
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_z_micro(value):
    return None if value is None else value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status_json(status_id, value):
    return None if status_id is None else {"id": status_id, "value": value}


def jobapp_json(jobapp, status_value):
    return {
        "id": jobapp.id,
        "applicationStatus": status_json(jobapp.status_id, status_value),
        "jobTitle": jobapp.job_title,
        "company": jobapp.company,
        "companyLogo": jobapp.company_logo,
        "applyDate": utc_z(jobapp.apply_date),
        "msgId": jobapp.msg_id,
        "source": jobapp.source,
        "isRejected": jobapp.is_rejected,
        "user": jobapp.user_id,
    }


def note_json(note):
    return {
        "id": note.id,
        "description": note.description,
        "created_date": utc_z_micro(note.created_at),
        "update_date": utc_z_micro(note.updated_at),
    }


def history_json(changed_at, status_id, value):
    return {"applicationStatus": status_json(status_id, value), "update_date": utc_z_micro(changed_at)}


def posting_json(posting):
    if posting is None:
        return {"posterInformation": {}, "decoratedJobPosting": {}, "topCardV2": {}}
    return {
        "posterInformation": posting.poster_information or {},
        "decoratedJobPosting": posting.decorated_job_posting or {},
        "topCardV2": posting.top_card_v2 or {},
    }
