"""The CloudFormation checks, one concern per module (as cfn-lint keeps one rule per module).

`resolution` holds what they share: the scenarios (a template resolved for one mode and parameter
set) and the statements they grant. Every other module holds one registered check; the registry
finds them (`registry.discover` walks subpackages), so adding a check is adding a module.
"""
