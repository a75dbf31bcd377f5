"""Factories: committed rows built through the same rules the app uses."""

import datetime
import itertools

from jobhax.accounts import services as accounts
from jobhax.jobapps import services as jobapps
from jobhax.jobapps.models import Note

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


class Factories:
    def __init__(self, db, settings):
        self.db = db
        self.settings = settings
        self._client = None

    def user(self, username=None, password=PASSWORD, email=None, **kw):
        n = next(_sequence)
        username = username or f"user{n}"
        user = accounts.register_user(
            self.db,
            username=username,
            email=email or f"{username}@example.com",
            password=password,
            password2=password,
            **kw,
        )
        self.db.commit()
        return user

    def oauth_client(self, name="test client"):
        client, secret = accounts.create_client(self.db, name)
        self.db.commit()
        return {"client_id": client.client_id, "client_secret": secret, "pk": client.id}

    def default_client(self):
        if self._client is None:
            self._client = self.oauth_client("factory client")
        return self._client

    def token_pair(self, user, client=None, expires_in=3600, now=None):
        client = client or self.default_client()
        token = accounts.issue_token_pair(
            self.db, user_id=user.id, client_pk=client["pk"], expires_in=expires_in, now=now
        )
        self.db.commit()
        return token

    def access_token(self, user, **kw):
        return self.token_pair(user, **kw)["access_token"]

    def jobapp(
        self,
        user,
        job_title="Android Developer",
        company="Mozilla",
        status_id=1,
        source="LinkedIn",
        application_date=None,
        deleted=False,
        **kw,
    ):
        jobapp = jobapps.add_jobapp(
            self.db,
            user.id,
            job_title=job_title,
            company=company,
            status_id=status_id,
            source=source,
            application_date=application_date,
            **kw,
        )
        if deleted:
            jobapps.delete_jobapp(self.db, jobapp)
        self.db.commit()
        return jobapp

    def note(self, jobapp, description="a note", created_at=None):
        note = Note(
            user_id=jobapp.user_id,
            jobapp_id=jobapp.id,
            description=description,
            created_at=created_at or datetime.datetime.now(datetime.UTC),
        )
        self.db.add(note)
        self.db.commit()
        return note
