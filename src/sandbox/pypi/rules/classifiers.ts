/** Trove classifiers, as far as the double checks them without the full list (see `knownClassifiers`). */

// --- Trove classifiers (trove-classifiers; Warehouse pins 2026.6.1.19, read at 2026.1.14.14 / 05cc151) ----------

/** Every trove classifier starts with one of these (plus " :: "). `Private :: …` ones are never valid. */
export const CLASSIFIER_ROOTS = new Set([
  'Development Status',
  'Environment',
  'Framework',
  'Intended Audience',
  'License',
  'Natural Language',
  'Operating System',
  'Programming Language',
  'Topic',
  'Typing',
]);
/** trove_classifiers `deprecated_classifiers`. */
export const DEPRECATED_CLASSIFIERS: Record<string, string[]> = {
  'Framework :: Django CMS :: 4.2': ['Framework :: Django CMS :: 5.0'],
  'License :: OSI Approved :: Intel Open Source License': [],
  'License :: OSI Approved :: Jabber Open Source License': [],
  'License :: OSI Approved :: MITRE Collaborative Virtual Workspace License (CVW)': [],
  'License :: OSI Approved :: Sun Industry Standards Source License (SISSL)': [],
  'License :: OSI Approved :: X.Net License': [],
  'Natural Language :: Ukranian': ['Natural Language :: Ukrainian'],
  'Topic :: Communications :: Chat :: AOL Instant Messenger': [],
};
