"""Gmail import: reading job application emails into job applications."""


def includeme(config):
    config.scan("jobhax.mailimport.views")
