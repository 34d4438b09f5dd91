// A small YAML writer for the generated configs (Patroni, etcd, Prometheus): block style so an
// operator can read them, every string double-quoted (a JSON string is a valid YAML scalar), so no
// value is ever reinterpreted as a bool, number or null.
type Value = string | number | boolean | null | Value[] | { [key: string]: Value }

function scalar(v: string | number | boolean | null): string {
  if (typeof v === 'string') return JSON.stringify(v)
  return String(v)
}

function isBlock(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0
  return v !== null && typeof v === 'object' && Object.keys(v).length > 0
}

function lines(value: Value, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!isBlock(item)) return [`${indent}- ${empty(item)}`]
      const [first, ...rest] = lines(item, indent + '  ')
      return [`${indent}- ${first.trimStart()}`, ...rest]
    })
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const k = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key)
      return isBlock(item) ? [`${indent}${k}:`, ...lines(item, indent + '  ')] : [`${indent}${k}: ${empty(item)}`]
    })
  }
  return [indent + scalar(value)]
}

function empty(v: Value): string {
  if (Array.isArray(v)) return '[]'
  if (v !== null && typeof v === 'object') return '{}'
  return scalar(v)
}

/** Accepts any JSON-like value (object literals with interface types included). */
export function toYaml(value: unknown, header = ''): string {
  return header + lines(value as Value, '').join('\n') + '\n'
}

export type { Value as YamlValue }
