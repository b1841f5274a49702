namespace VisionZip.Server;

/// <summary>A request error with its HTTP status and OpenAI error <c>type</c>, <c>code</c> and <c>param</c>.</summary>
internal sealed class OpenAiException(int status, string message, string type = "invalid_request_error", string? code = null, string? param = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Code { get; } = code;

    public string? Param { get; } = param;

    public static OpenAiException BadRequest(string message, string? param = null, string? code = null) => new(400, message, param: param, code: code);
}
