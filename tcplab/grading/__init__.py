"""Students' own captures: taken in safely, matched to their pairs, graded, in a grade book."""
