// Times as officers read them: Vietnam's time zone (Asia/Ho_Chi_Minh, UTC+7 all year), whatever the
// server's, in the order of their forms (dd/MM/yyyy HH:mm; the vi-VN locale alone puts the time
// first). Prints, notices, reports and exports all format through here.
const VIETNAM_TIME_ZONE = 'Asia/Ho_Chi_Minh'

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: VIETNAM_TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})
const numberFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 6 })

function partsOf(iso: string): Record<string, string> {
  return Object.fromEntries(partsFormat.formatToParts(new Date(iso)).map((p) => [p.type, p.value]))
}

/** dd/MM/yyyy HH:mm in Vietnam; '' for no time. */
export function vietnamTime(iso: string | null): string {
  if (!iso) return ''
  const p = partsOf(iso)
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`
}

/** YYYY-MM-DD of the Vietnamese calendar day (the day a report counts a record in). */
export function vietnamDay(iso: string): string {
  const p = partsOf(iso)
  return `${p.year}-${p.month}-${p.day}`
}

/** The place-and-date line of an administrative form: "Hà Nội, ngày 04 tháng 12 năm 2026". */
export function placeAndDateLine(city: string, iso: string): string {
  const p = partsOf(iso)
  return `${city}, ngày ${p.day} tháng ${p.month} năm ${p.year}`
}

export const formatNumber = (n: number) => numberFormat.format(n)

/** The instant as ISO 8601 in Vietnam's offset, e.g. 2026-12-05T09:30:00+07:00: machine-readable and as officers read it. */
export function vietnamIso(iso: string): string {
  return `${new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`
}
