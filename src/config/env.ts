/** The environment variables molecule-publish reads: names only, no parsing (kept light for --help). */
export const ENV = {
  giteaUser: 'MOLECULE_PYPI_GITEA_PUBLISHER_USER',
  giteaToken: 'MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN',
  pypiToken: 'PYPI_TOKEN',
  giteaUrl: 'MOLECULE_PUBLISH_GITEA_URL',
  giteaOwner: 'MOLECULE_PUBLISH_GITEA_OWNER',
  giteaRepositoryUrl: 'MOLECULE_PUBLISH_GITEA_REPOSITORY_URL',
  pypiUrl: 'MOLECULE_PUBLISH_PYPI_URL',
  pypiIndexUrl: 'MOLECULE_PUBLISH_PYPI_INDEX_URL',
  // Names Gitea refuses for secrets (reserved GITEA_ prefix); recognised only to say so.
  legacyGiteaUser: 'GITEA_PYPI_PUBLISHER_USER',
  legacyGiteaToken: 'GITEA_PYPI_PUBLISHER_TOKEN',
} as const;
