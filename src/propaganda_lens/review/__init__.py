"""Review: a person's corrections of the model's spans, kept beside the model's analysis and never over it."""
