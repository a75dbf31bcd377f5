"""Gmail import: reading job application emails into job applications."""
