"""The studio's screens: the main studio, the help screen and the approval dialog."""
