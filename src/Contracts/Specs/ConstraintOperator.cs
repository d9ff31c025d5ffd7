namespace Flotilla.Contracts.Specs;

public enum ConstraintOperator
{
    Equal,
    NotEqual,
    In,
    NotIn,
    Present,
    Absent,
}
