"""Plain English: cleaning and reading questions, periods, typo repair; knows no corpus."""
