"""Chat-agent integrations: MCP server and LangChain tools."""
