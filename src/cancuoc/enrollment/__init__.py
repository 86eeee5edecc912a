"""Enrollment and processing: stations, shifts and appointments; the capture of an application; its
pipeline of checks to a supervisor's approval; the printed forms."""
