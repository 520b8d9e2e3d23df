/** The documentation links Warehouse puts in its error messages. */
export const HELP = 'https://pypi.org/help/';
export const CORE_METADATA = 'https://packaging.python.org/specifications/core-metadata';
