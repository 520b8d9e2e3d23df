/**
 * The server versions the Gitea double can emulate (the behaviours of each, with their sources, are in
 * gitea/profiles.ts). Kept apart, with no imports, so that the command line can offer them (--rehearse-gitea)
 * without loading the double.
 */
export const GITEA_PROFILES = ['1.17', '1.19', '1.22', 'forgejo'] as const;
export type GiteaProfile = (typeof GITEA_PROFILES)[number];
