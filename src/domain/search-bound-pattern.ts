// The shape of a search bound (`from`, `to`): a day, or an RFC 3339 date-time. The request schema
// validates it (so the OpenAPI document publishes it), and a value of the wrong shape keeps the
// stable code a bad date has always had, INVALID_DATE_TIME (src/errors.ts), not the generic
// FIELD_FORMAT of a pattern; a day missing from the calendar is refused later by the service.
export const SEARCH_BOUND_PATTERN =
  '^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]{1,9})?)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))?)?$'
