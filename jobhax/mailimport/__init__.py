"""Gmail import: reading job application emails into job applications."""

from jobhax.mailimport import tasks


def includeme(config):
    tasks.declare(config)
    config.scan("jobhax.mailimport.views")
