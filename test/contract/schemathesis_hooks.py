# Loaded by schemathesis (test/contract/schemathesis.toml): the printable pages and the CSV exports
# are validated against their response schema (a string) instead of being skipped as unknown media.
import schemathesis


@schemathesis.deserializer("text/html", "text/csv")
def as_text(ctx, response):
    return response.text
