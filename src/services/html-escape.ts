// Printable pages put officer- and client-supplied text (trader names, seal numbers, notes) into
// HTML: every value goes through escapeHtml so a name like `<script>` prints as text, and a quote
// cannot end an attribute.
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return ''
  return String(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string)
}
