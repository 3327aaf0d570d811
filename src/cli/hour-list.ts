/** Hours of the day as the CLI prints them: two digits each, comma-separated, or 'none'. */
export function hourList(hours: readonly number[]): string {
  return hours.length === 0 ? 'none' : hours.map((h) => String(h).padStart(2, '0')).join(',');
}
