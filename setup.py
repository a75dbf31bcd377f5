from setuptools import find_packages, setup

requires = [
    "pyramid>=2.0,<3",
    "cornice>=6,<7",
    "cornice_swagger>=1.0",
    "colander>=2.0",
    "SQLAlchemy>=2.0,<2.2",
    "zope.sqlalchemy>=3.0",
    "pyramid_tm>=2.5",
    "pyramid_retry>=2.1",
    "transaction>=4.0",
    "psycopg2-binary>=2.9",
    "psycopg[binary,pool]>=3.1",
    "alembic>=1.13",
    "oauthlib>=3.2",
    "requests>=2.31",
    "argon2-cffi>=23.1",
    "cryptography>=42",
    "procrastinate~=3.10.0",  # alembic revision 0003 applies this release's schema
    "granian>=2.5,<3",  # jobhax serve: Rust HTTP server, WSGI interface
    "pgserver>=0.1.4",
    "psutil>=5.9",
    "tqdm>=4.66",  # progress of long CLI work on a terminal
    "plaster_pastedeploy>=1.0",
    "zxcvbn>=4.4",  # its `passwords` frequency list backs the password policy (mail goes out through smtplib)
    "lxml>=5.0",  # the mail import's HTML reader: linear in its input (html.parser is not)
    "nh3>=0.2.14",  # sanitizes the mail bodies get_user_google_mails serves
    "icalendar>=6.0",  # the calendar feed (RFC 5545)
    "standardwebhooks>=1.0",  # webhook signatures
    "urllib3>=2.0",  # webhook deliveries, connecting to the checked address
    "swagger-ui-bundle>=1.1",  # Swagger UI's files for /__api__/ui, served from the package
]

testing_requires = [
    "pytest>=8",
    "waitress>=3.0",  # tests/servers.py: the app behind a socket in a thread of the test process
    "pytest-cov",
    "WebTest>=3.0",
    "requests-oauthlib>=1.3",  # an off-the-shelf client of our OAuth2 endpoints
    "time-machine>=2.13",
    "schemathesis>=4.30,<5",
    "openapi-spec-validator>=0.7",
    "hypothesis>=6.100",
    "py-spy>=0.3",  # profiles the server under `make bench` (bench/README.md)
    "ruff>=0.17,<0.18",  # `make test` lints first; a newer ruff may bring new findings: bump on purpose
    "aiosmtpd>=1.4",  # the real SMTP server the mail tests send to
    "trustme>=1.1",  # TLS certificates for the test webhook receiver
    "selenium>=4.20",  # drives Debian's chromium through /usr/bin/chromedriver (tests/ops/test_api_ui.py)
    "sqlglot>=30.30,<31",  # tests/sql_scope.py parses every statement the API suite's requests send
]

setup(
    name="jobhax",
    version="1.0.0",
    description="JobHax backend: job application tracking REST API",
    packages=find_packages(exclude=["tests", "tests.*"]),
    include_package_data=True,
    package_data={"jobhax": ["sql/*.sql"]},
    python_requires=">=3.11",
    install_requires=requires,
    extras_require={"testing": testing_requires},
    entry_points={
        "paste.app_factory": ["main = jobhax:main"],
        "console_scripts": ["jobhax = jobhax.cli:main"],
    },
    zip_safe=False,
)
