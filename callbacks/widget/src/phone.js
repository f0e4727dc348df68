// The phone field's countries: regions and calling codes from countries.js, names from the browser
// (Intl.DisplayNames), so they follow the customer's language.

import { CALLING_CODES, EXAMPLE_NUMBERS } from "./countries.js";
import { LOCALE } from "./env.js";
import { STRINGS, format } from "./strings.js";

function displayNames(style) {
  try {
    return new Intl.DisplayNames([LOCALE, "en"], { type: "region", style });
  } catch (e) {
    return null;
  }
}

/** Every region a number can be given for, with its code, names and example, sorted by name. */
export function countries() {
  const names = displayNames("long");
  // The short name reads better in a sentence: "a valid UK number", not "a valid United Kingdom number".
  const shortNames = displayNames("short");
  return Object.entries(CALLING_CODES)
    .map(([region, dial]) => {
      const name = (names && names.of(region)) || region;
      return { region, dial, name, shortName: (shortNames && shortNames.of(region)) || name,
               example: EXAMPLE_NUMBERS[region] || "" };
    })
    .sort((a, b) => a.name.localeCompare(b.name, LOCALE));
}

// What to type for a number of the picked country, in words for the phone field's error.
export function invalidPhoneText(country) {
  return format(country.example ? STRINGS.invalidPhoneIn : STRINGS.invalidPhoneInNoExample,
                { country: country.shortName, example: country.example });
}

// The customer's likely country from the browser's languages ("en-GB" -> GB; "fr" -> FR by likely subtags).
export function defaultCountry() {
  const known = new Set(Object.keys(CALLING_CODES));
  for (const tag of navigator.languages && navigator.languages.length ? navigator.languages : [LOCALE]) {
    try {
      const locale = new Intl.Locale(tag);
      const region = locale.region || (locale.maximize && locale.maximize().region);
      if (region && known.has(region)) return region;
    } catch (e) {
      // An odd language tag: try the next one.
    }
  }
  return "US";
}
