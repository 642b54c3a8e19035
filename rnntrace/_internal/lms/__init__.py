"""Delivering variants: grading each student against their own variant, a Gradescope
autograder and Moodle questions."""
