"""What stakeholders read: reports rendered from the marts (self-contained HTML with charts)."""
