using System.Text;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Query;

/// <summary>
/// The AWS query protocol (IAM, STS, SNS, CloudFormation, ...) and its EC2 variant:
/// form-encoded parameters in, XML out.
/// </summary>
public sealed class QueryProtocol : IProtocol
{
    private readonly bool _ec2;

    public QueryProtocol(bool ec2) => _ec2 = ec2;

    public string Name => _ec2 ? "ec2" : "query";

    /// <summary>All parameters of a query request: the URL's, then the form body's.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parameters(WireRequest request) => request.QueryAndFormParameters;

    public Dictionary<string, object?> ParseRequest(OperationModel operation, WireRequest request, IReadOnlyDictionary<string, string>? uriLabels)
    {
        if (operation.Input is null || operation.Input.Members.Count == 0)
        {
            return ValueTree.NewStruct(); // nothing to read (e.g. GetCallerIdentity)
        }
        try
        {
            return new QueryParameterReader(Parameters(request), _ec2).ReadStructure(operation.Input, "");
        }
        catch (ParameterFormatException e)
        {
            var conventions = ServiceConventions.For(operation.Service);
            throw new AwsServiceException(conventions.ValidationCode, e.Message, 400);
        }
    }

    public WireResponse SerializeResponse(OperationModel operation, Dictionary<string, object?>? output, ResponseInfo info)
    {
        var response = new WireResponse { ContentType = "text/xml" };
        response.AddHeader("x-amzn-RequestId", info.RequestId);
        var writer = XmlOutput.Rent();
        try
        {
            var names = Names(operation);
            writer.WriteStartElement(names.Response, XmlNamespace(operation.Service));
            if (_ec2)
            {
                writer.WriteElementString("requestId", info.RequestId);
                if (operation.Output is not null && output is not null)
                {
                    XmlShapeWriter.WriteMembers(writer, operation.Output, output, ec2: true);
                }
            }
            else
            {
                if (operation.Output is not null)
                {
                    writer.WriteStartElement(names.Result);
                    if (output is not null)
                    {
                        XmlShapeWriter.WriteMembers(writer, operation.Output, output);
                    }
                    writer.WriteEndElement();
                }
                writer.WriteStartElement("ResponseMetadata");
                writer.WriteElementString("RequestId", info.RequestId);
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
            response.Body = writer.ToArray();
        }
        finally
        {
            writer.Return();
        }
        return response;
    }

    public WireResponse SerializeError(ServiceModel service, OperationModel? operation, AwsServiceException error, ResponseInfo info)
    {
        var response = new WireResponse { Status = error.HttpStatus, ContentType = "text/xml" };
        response.AddHeader("x-amzn-RequestId", info.RequestId);
        var shape = ErrorInfo.FindShape(service, error);
        var code = shape is null ? error.Code : shape.ErrorCode ?? shape.Name;
        var writer = XmlOutput.Rent();
        try
        {
            if (_ec2)
            {
                writer.WriteStartElement("Response");
                writer.WriteStartElement("Errors");
                writer.WriteStartElement("Error");
                writer.WriteElementString("Code", code);
                writer.WriteElementString("Message", error.Message);
                writer.WriteEndElement();
                writer.WriteEndElement();
                writer.WriteElementString("RequestID", info.RequestId);
                writer.WriteEndElement();
            }
            else
            {
                writer.WriteStartElement("ErrorResponse", XmlNamespace(service));
                writer.WriteStartElement("Error");
                writer.WriteElementString("Type", error.SenderFault ? "Sender" : "Receiver");
                writer.WriteElementString("Code", code);
                writer.WriteElementString("Message", error.Message);
                if (error.Fields is not null && shape is not null)
                {
                    XmlShapeWriter.WriteMembers(writer, shape, error.Fields);
                }
                writer.WriteEndElement();
                writer.WriteElementString("RequestId", info.RequestId);
                writer.WriteEndElement();
            }
            response.Body = writer.ToArray();
        }
        finally
        {
            writer.Return();
        }
        return response;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ServiceModel, string> Namespaces = new();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<OperationModel, (string Response, string Result)> ElementNames = new();

    private static string XmlNamespace(ServiceModel service) => Namespaces.GetOrAdd(service, static s =>
        s.XmlNamespace ?? $"https://{s.EndpointPrefix}.amazonaws.com/doc/{s.ApiVersion}/");

    /// <summary>The response and result element names of an operation, computed once.</summary>
    private static (string Response, string Result) Names(OperationModel operation) => ElementNames.GetOrAdd(operation, static o =>
        (o.Name + "Response", o.ResultWrapper ?? o.Name + "Result"));
}
