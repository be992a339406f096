"""Claims about the simplest neural ODE, their checks, the report and the command line."""
