"""Read the chambers: question references, the polite HTTP client, pure parsers from bytes to a
`QuestionSnapshot`. Knows nothing of databases, subscribers or deadlines."""
