"""Intake (受理): registers cases from every channel and follows them through the closed loop."""
