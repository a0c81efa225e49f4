/** The fixed "current time" of the golden corpus (for since and time.Now). */
export const GOLDEN_NOW = '2024-01-15T12:00:00Z';
