namespace Gureum.Protocols.Model;

/// <summary>The shape types of the AWS (Smithy-derived) JSON models.</summary>
public enum ShapeType
{
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Boolean,
    Float,
    Double,
    BigDecimal,
    BigInteger,
    Timestamp,
    Blob,
    Byte,
    Short,
}
