using Gureum.Auth;
using Gureum.Core;

namespace Gureum.Server.Pipeline;

/// <summary>
/// Authentication failures in the words of the service family that was called: S3 (rest-xml),
/// query services (STS, IAM, SNS, SQS over query), and JSON services (DynamoDB, KMS, ...).
/// </summary>
public static class AuthErrors
{
    public static AwsServiceException For(string protocol, string service, AuthFailure failure)
    {
        var family = service == "s3" ? Family.S3
            : protocol is "query" or "ec2" ? Family.Query
            : Family.Json;
        var message = failure.Message;
        return failure.Kind switch
        {
            AuthFailureKind.MissingAuthenticationToken => family switch
            {
                Family.S3 => new("AccessDenied", "Access Denied", 403),
                Family.Query => new("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
                _ => new("MissingAuthenticationTokenException", "Missing Authentication Token", 400),
            },
            AuthFailureKind.IncompleteSignature or AuthFailureKind.UnsupportedAlgorithm => family switch
            {
                Family.S3 => new("AuthorizationHeaderMalformed", message, 400),
                Family.Query => new("IncompleteSignature", message, 400),
                _ => new("IncompleteSignatureException", message, 400),
            },
            AuthFailureKind.InvalidAccessKeyId => family switch
            {
                Family.S3 => new("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
                Family.Query => new("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
                _ => new("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
            },
            AuthFailureKind.InvalidToken => family switch
            {
                Family.S3 => new("InvalidToken", "The provided token is malformed or otherwise invalid.", 400),
                Family.Query => new("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
                _ => new("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
            },
            AuthFailureKind.ExpiredToken => family switch
            {
                Family.S3 => new("ExpiredToken", "The provided token has expired.", 400),
                Family.Query => new("ExpiredToken", "The security token included in the request is expired", 403),
                _ => new("ExpiredTokenException", "The security token included in the request is expired", 400),
            },
            AuthFailureKind.SignatureDoesNotMatch => family switch
            {
                Family.S3 => WithS3Details(new("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403), failure),
                Family.Query => new("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", 403),
                _ => new("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", 400),
            },
            AuthFailureKind.RequestTimeTooSkewed => family switch
            {
                Family.S3 => new("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403),
                Family.Query => new("SignatureDoesNotMatch", message, 403),
                _ => new("InvalidSignatureException", message, 400),
            },
            AuthFailureKind.RequestExpired or AuthFailureKind.RequestNotYetValid => family switch
            {
                Family.S3 => new("AccessDenied", message, 403),
                Family.Query => new("RequestExpired", message, 400),
                _ => new("InvalidSignatureException", message, 400),
            },
            AuthFailureKind.AuthorizationQueryParametersError => new(family == Family.S3 ? "AuthorizationQueryParametersError" : "IncompleteSignature", message, 400),
            AuthFailureKind.ContentSha256Mismatch => new("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400),
            AuthFailureKind.InvalidContentSha256 => new("InvalidArgument", message, 400),
            AuthFailureKind.MissingContentSha256 => new("InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400),
            AuthFailureKind.InvalidChunk => new("IncompleteBody", message, 400),
            _ => new("AccessDenied", message, 403),
        };
    }

    private static AwsServiceException WithS3Details(AwsServiceException error, AuthFailure failure)
    {
        if (failure.StringToSign is not null)
        {
            error.With("StringToSign", failure.StringToSign);
        }
        if (failure.SignatureProvided is not null)
        {
            error.With("SignatureProvided", failure.SignatureProvided);
        }
        if (failure.CanonicalRequest is not null)
        {
            error.With("CanonicalRequest", failure.CanonicalRequest);
        }
        return error;
    }

    private enum Family
    {
        S3,
        Query,
        Json,
    }
}
