"""Knowledge base: loading, validation, search and import of ATLAS, PLOT4ai, OWASP and case studies."""
