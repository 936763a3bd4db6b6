// HTTP1's request values (HTTPRequest, HTTPMethod, RequestParser, FramingError) are the server's own
// vocabulary: every file of Evserve, and its tests, see them without importing HTTP1 themselves.
@_exported import HTTP1
