#!/usr/bin/env python3
"""A stand-in for the Azure CLI in tests (no test can reach Azure).

It keeps a small Azure world in a JSON file (FAKE_AZ_WORLD): logged in or not, resource groups, the
subscription's region policy, VM sizes and quota per region, NSGs, public IPs and VMs. Each call is
appended to FAKE_AZ_LOG, read commands answer from the world and create commands change it, the way
Azure Resource Manager would. --query goes through jmespath, the library the real CLI uses, and
-o tsv/json/none print as the CLI prints (knack's formatters), so the scripts' queries are tested for
real. Errors carry the CLI's texts and exit codes (1, or 3 for a missing resource).

world["fail"] maps a command ("vm create") to an error to answer with instead (SkuNotAvailable,
QuotaExceeded, RequestDisallowedByAzure, InvalidResourceLocation, AuthorizationFailed): what Azure
says when capacity or policy changed after the scripts checked. "Kind@2" fails the second such call.
"""
import json
import os
import sys

import jmespath

WORLD_FILE = os.environ['FAKE_AZ_WORLD']
LOG_FILE = os.environ['FAKE_AZ_LOG']
SUBSCRIPTION = '00000000-0000-0000-0000-000000000000'

# What ARM answers; the CLI prints "(Code) message" then "Code:" and "Message:" lines (azure-core),
# or, for a template deployment that az vm create runs, the JSON error and its inner errors.
POLICY_TEXT = ('This policy maintains a set of best available regions where your subscription can deploy resources. '
               'The objective of this policy is to ensure that your subscription has full access to Azure services '
               'with optimal performance. Should you need additional or different regions, contact support..')


def arm_error(code, message, status=1):
    sys.stderr.write(f'ERROR: ({code}) {message}\nCode: {code}\nMessage: {message}\n')
    sys.exit(status)


def deployment_error(outer, inner):
    sys.stderr.write(f'ERROR: {json.dumps(outer)}\n\nInner Errors: \n{json.dumps(inner)}\n')
    sys.exit(1)


def injected_failure(kind, ctx):
    location, size, name = ctx.get('location', 'westeurope'), ctx.get('size', 'Standard_B2ats_v2'), ctx.get('name', '')
    if kind == 'SkuNotAvailable':
        deployment_error(
            {'code': 'InvalidTemplateDeployment',
             'message': "The template deployment 'vm_deploy_5SVQ8mwM1nTYHBHQhHFYW1dUqHl4pKh4' is not valid according to "
                        "the validation procedure. The tracking id is '1b3c6a0e-8a1f-4c55-9d3e-2f1e5d8b7c6a'. "
                        'See inner errors for details.'},
            {'code': 'SkuNotAvailable',
             'message': f"The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: {size}' "
                        f"is currently not available in location '{location}'. Please try another size or deploy to a "
                        'different location or different zone. See https://aka.ms/azureskunotavailable for details.'})
    if kind == 'QuotaExceeded':
        deployment_error(
            {'code': 'InvalidTemplateDeployment',
             'message': "The template deployment 'vm_deploy_QpZ0n7' is not valid according to the validation procedure. "
                        "The tracking id is '6f0e2b4c-1d3a-4e5f-8a9b-0c1d2e3f4a5b'. See inner errors for details."},
            {'code': 'QuotaExceeded',
             'message': 'Operation could not be completed as it results in exceeding approved standardBasv2Family Cores '
                        f'quota. Additional details - Deployment Model: Resource Manager, Location: {location}, '
                        'Current Limit: 4, Current Usage: 4, Additional Required: 2, (Minimum) New Limit Required: 6.'})
    if kind == 'RequestDisallowedByAzure':
        arm_error(kind, f"Resource '{name}' was disallowed by Azure: {POLICY_TEXT}")
    if kind == 'InvalidResourceLocation':
        arm_error(kind, f"The resource '{name}' already exists in location '{ctx.get('existing', 'westeurope')}' in "
                        f"resource group '{ctx.get('group', '')}'. A resource with the same name cannot be created in "
                        f"location '{location}'. Please select a new resource name.")
    if kind == 'AuthorizationFailed':
        arm_error(kind, f"The client 'student@example.edu' with object id '11111111-2222-3333-4444-555555555555' does not "
                        f"have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/write' "
                        f"over scope '/subscriptions/{SUBSCRIPTION}/resourcegroups/{ctx.get('group', '')}' or the scope "
                        'is invalid. If access was recently granted, please refresh your credentials.')
    if kind == 'ResourceNotFound':
        arm_error(kind, f"The Resource '{name}' under resource group '{ctx.get('group', '')}' was not found. "
                        'For more details please go to https://aka.ms/ARMResourceNotFoundFix', 3)
    raise SystemExit(f'fake az: unknown failure kind {kind}')


# knack's output formats, as `az` prints them.
def tsv_obj(value):
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, dict):
        return ''
    if isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else str(value)


def tsv_row(value):
    if isinstance(value, dict):
        return '\t'.join(tsv_obj(v) for _, v in sorted(value.items()))
    if isinstance(value, list):
        return '\t'.join(tsv_obj(v) for v in value)
    return '' if value is None else tsv_obj(value)


def print_result(result, args):
    query = option(args, '--query')
    if query is not None:
        result = jmespath.search(query, result)
    output = option(args, '-o', '--output') or 'json'
    if output == 'none':
        return
    if output == 'tsv':
        rows = result if isinstance(result, list) else [result]
        sys.stdout.write(''.join(tsv_row(row) + '\n' for row in rows))
    elif output == 'json':
        sys.stdout.write(json.dumps(result, indent=2) + '\n')
    else:
        raise SystemExit(f'fake az: output {output} not handled')


def option(args, *names):
    for i, word in enumerate(args):
        if word in names and i + 1 < len(args):
            return args[i + 1]
    return None


def values_after(args, name):
    """The words after `name` up to the next option (for --tags a=b c=d, --set ...)."""
    if name not in args:
        return []
    rest = args[args.index(name) + 1:]
    out = []
    for word in rest:
        if word.startswith('--') or word == '-o':
            break
        out.append(word)
    return out


def group_of(world, args):
    name = option(args, '-g', '--resource-group', '-n', '--name')
    group = world['groups'].get(name)
    if group is None:
        arm_error('ResourceGroupNotFound', f"Resource group '{name}' could not be found.", 3)
    return name, group


def check_policy(world, location, name):
    allowed = world.get('allowed_regions')
    if allowed and location not in allowed:
        injected_failure('RequestDisallowedByAzure', {'name': name})


def resource_id(group, kind, name):
    return f'/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{kind}/{name}'


def sku(world, location, size):
    entry = world.get('skus', {}).get(location, {}).get(size)
    if entry is None:
        return None
    family, vcpus, restriction = entry['family'], entry['vcpus'], entry.get('restriction')
    return {
        'resourceType': 'virtualMachines', 'name': size, 'tier': 'Standard', 'size': size.split('_', 1)[1],
        'family': family, 'locations': [location], 'locationInfo': [{'location': location, 'zones': [], 'zoneDetails': []}],
        'capabilities': [{'name': 'vCPUs', 'value': str(vcpus)}, {'name': 'MemoryGB', 'value': '1'},
                         {'name': 'HyperVGenerations', 'value': 'V1,V2'}],
        'restrictions': [] if restriction is None else [{
            'type': 'Location', 'values': [location], 'reasonCode': restriction,
            'restrictionInfo': {'locations': [location], 'zones': None}}],
    }


def run(args, world):
    words = [w for w in args[:3] if not w.startswith('-')]
    command = ' '.join(words[:2])
    command3 = ' '.join(words[:3])
    for key in (command3, command):
        if key in world.get('fail', {}):
            # "Kind@2": the second such call fails, the first succeeds.
            kind, _, nth = world['fail'][key].partition('@')
            if nth and int(nth) > 1:
                world['fail'][key] = f'{kind}@{int(nth) - 1}'
                break
            del world['fail'][key]
            injected_failure(kind, {
                'location': option(args, '-l', '--location') or 'westeurope', 'size': option(args, '--size'),
                'name': option(args, '-n', '--name'), 'group': option(args, '-g', '--resource-group'),
                'existing': world.get('fail_existing_location', 'westeurope')})

    if command == 'account show':
        if not world.get('logged_in', True):
            sys.stderr.write("ERROR: Please run 'az login' to setup account.\n")
            sys.exit(1)
        return print_result({'id': SUBSCRIPTION, 'name': 'Azure for Students', 'state': 'Enabled', 'isDefault': True}, args)

    if command == 'group exists':
        return print_result(option(args, '-n', '--name') in world['groups'], args)
    if command == 'group show':
        name, group = group_of(world, args)
        return print_result({'id': f'/subscriptions/{SUBSCRIPTION}/resourceGroups/{name}', 'name': name,
                             'location': group['location'], 'tags': group.get('tags'),
                             'properties': {'provisioningState': 'Succeeded'}}, args)
    if command == 'group create':
        name, location = option(args, '-n', '--name'), option(args, '-l', '--location')
        check_policy(world, location, name)
        tags = dict(tag.split('=', 1) for tag in values_after(args, '--tags'))
        world['groups'][name] = {'location': location, 'tags': tags, 'nsgs': {}, 'public_ips': {}, 'vms': {}}
        return print_result({'name': name, 'location': location, 'tags': tags}, args)
    if command == 'group delete':
        name, _ = group_of(world, args)
        del world['groups'][name]
        return None

    if command3 == 'policy assignment list':
        assignments = []
        if world.get('allowed_regions'):
            assignments.append({
                'name': 'sys.regionrestriction', 'displayName': 'Allowed resource deployment regions',
                'policyDefinitionId': '/providers/Microsoft.Authorization/policyDefinitions/b86dabb9-b578-4d7b-b842-3b45e95769a1',
                'scope': f'/subscriptions/{SUBSCRIPTION}', 'enforcementMode': 'Default',
                'parameters': {'listOfAllowedLocations': {'value': world['allowed_regions']}}})
        return print_result(assignments, args)

    if command == 'vm list-skus':
        location, size = option(args, '-l', '--location'), option(args, '--size') or ''
        # --size takes a partial name, as the CLI does.
        names = [n for n in world.get('skus', {}).get(location, {}) if size.lower() in n.lower()]
        return print_result([sku(world, location, n) for n in names], args)
    if command == 'vm list-usage':
        location = option(args, '-l', '--location')
        usage = world.get('usage', {}).get(location, {})
        rows = [{'currentValue': used, 'limit': limit, 'localName': name, 'name': {'localizedValue': name, 'value': name}}
                for name, (used, limit) in usage.items()]
        return print_result(rows, args)

    if command3 in ('network nsg list', 'network nsg create', 'network public-ip list', 'network public-ip create'):
        group_name, group = group_of(world, args)
        kind = 'nsgs' if 'nsg' in command3 else 'public_ips'
        if command3.endswith('list'):
            return print_result(list(group[kind].values()), args)
        name, location = option(args, '-n', '--name'), option(args, '-l', '--location') or group['location']
        existing = group[kind].get(name)
        if existing is not None and existing['location'] != location:
            injected_failure('InvalidResourceLocation', {'name': name, 'group': group_name, 'location': location,
                                                         'existing': existing['location']})
        check_policy(world, location, name)
        if kind == 'nsgs':
            group[kind][name] = {'name': name, 'location': location, 'securityRules': [],
                                 'id': resource_id(group_name, 'Microsoft.Network/networkSecurityGroups', name)}
        else:
            label = option(args, '--dns-name')
            group[kind][name] = {
                'name': name, 'location': location, 'ipAddress': world.get('next_public_ip', '127.0.0.1'),
                'publicIPAllocationMethod': option(args, '--allocation-method'), 'sku': {'name': option(args, '--sku')},
                'dnsSettings': None if label is None else {'domainNameLabel': label, 'fqdn': f'{label}.{location}.cloudapp.azure.com'},
                'id': resource_id(group_name, 'Microsoft.Network/publicIPAddresses', name)}
        return print_result(group[kind][name], args)
    if command3 == 'network nsg rule':
        _, group = group_of(world, args)
        nsg = group['nsgs'].get(option(args, '--nsg-name'))
        if nsg is None:
            injected_failure('ResourceNotFound', {'name': option(args, '--nsg-name')})
        rule = {'name': option(args, '-n', '--name'), 'priority': int(option(args, '--priority')),
                'destinationPortRange': option(args, '--destination-port-ranges'),
                'sourceAddressPrefix': option(args, '--source-address-prefixes')}
        nsg['securityRules'] = [r for r in nsg['securityRules'] if r['name'] != rule['name']] + [rule]
        return print_result(rule, args)

    if command == 'vm list':
        _, group = group_of(world, args)
        return print_result([vm_model(vm) for vm in group['vms'].values()], args)
    if command == 'vm create':
        group_name, group = group_of(world, args)
        name, location, size = option(args, '-n', '--name'), option(args, '-l', '--location'), option(args, '--size')
        check_policy(world, location, name)
        offered = sku(world, location, size)
        if offered is None or offered['restrictions']:
            injected_failure('SkuNotAvailable', {'location': location, 'size': size})
        ip_name = option(args, '--public-ip-address')
        with open(option(args, '--custom-data')) as custom_data:
            custom = custom_data.read()
        group['vms'][name] = {
            'name': name, 'location': location, 'size': size, 'power': 'running', 'public_ip': ip_name,
            'tags': dict(tag.split('=', 1) for tag in values_after(args, '--tags')), 'custom_data': custom,
            'id': resource_id(group_name, 'Microsoft.Compute/virtualMachines', name)}
        return print_result({'powerState': 'VM running', 'publicIpAddress': public_ip_of(group, group['vms'][name])}, args)
    if command in ('vm show', 'vm get-instance-view', 'vm start', 'vm update', 'vm auto-shutdown'):
        group_name, group = group_of(world, args)
        name = option(args, '-n', '--name')
        vm = group['vms'].get(name)
        if vm is None:
            injected_failure('ResourceNotFound', {'name': f'Microsoft.Compute/virtualMachines/{name}', 'group': group_name})
        if command == 'vm start':
            vm['power'] = 'running'
            return None
        if command == 'vm update':
            for assignment in values_after(args, '--set'):
                key, value = assignment.split('=', 1)
                vm['tags'][key.removeprefix('tags.')] = value
            return print_result(vm_model(vm), args)
        if command == 'vm auto-shutdown':
            vm['shutdown'] = option(args, '--time')
            return print_result({'name': f'shutdown-computevm-{name}', 'dailyRecurrence': {'time': vm['shutdown']}}, args)
        model = vm_model(vm)
        if command == 'vm get-instance-view':
            model['instanceView'] = {'statuses': [
                {'code': 'ProvisioningState/succeeded', 'displayStatus': 'Provisioning succeeded', 'level': 'Info'},
                {'code': f"PowerState/{vm['power']}", 'displayStatus': f"VM {vm['power']}", 'level': 'Info'}]}
        elif '-d' in args or '--show-details' in args:
            model['powerState'] = f"VM {vm['power']}"
            model['publicIps'] = public_ip_of(group, vm) if vm['power'] == 'running' or vm['public_ip'] else ''
        return print_result(model, args)
    if command3 == 'vm run-command invoke':
        _, group = group_of(world, args)
        vm = group['vms'][option(args, '-n', '--name')]
        script = ' '.join(values_after(args, '--scripts'))
        if script.startswith('@'):
            with open(script[1:]) as file:
                script = file.read()
        if vm['power'] != 'running':
            arm_error('Conflict', 'Operation could not be completed because the VM is not running.', 1)
        vm.setdefault('scripts', []).append(script)
        stdout = world.get('run_command_stdout', 'chatmsg: re-provisioned')
        stderr = world.get('run_command_stderr', 'provision: chatmsg-server is running (journalctl -u chatmsg-server)')
        return print_result({'value': [{
            'code': 'ProvisioningState/succeeded', 'displayStatus': 'Provisioning succeeded', 'level': 'Info',
            'message': f'Enable succeeded: \n[stdout]\n{stdout}\n\n[stderr]\n{stderr}\n', 'time': None}]}, args)
    if command == 'resource list':
        group_name, group = group_of(world, args)
        resources = [{'type': 'Microsoft.Network/networkSecurityGroups', 'name': n} for n in group['nsgs']]
        resources += [{'type': 'Microsoft.Network/publicIPAddresses', 'name': n} for n in group['public_ips']]
        resources += [{'type': 'Microsoft.Compute/virtualMachines', 'name': n} for n in group['vms']]
        return print_result(resources, args)
    raise SystemExit(f'fake az: command not handled: {" ".join(args)}')


def public_ip_of(group, vm):
    ip = group['public_ips'].get(vm['public_ip'])
    return ip['ipAddress'] if ip else ''


def vm_model(vm):
    return {'id': vm['id'], 'name': vm['name'], 'location': vm['location'], 'tags': vm['tags'] or None,
            'hardwareProfile': {'vmSize': vm['size']}, 'provisioningState': 'Succeeded'}


def main():
    args = sys.argv[1:]
    with open(LOG_FILE, 'a') as log:
        log.write(' '.join(args) + '\n')
    with open(WORLD_FILE) as file:
        world = json.load(file)
    try:
        run(args, world)
    finally:
        with open(WORLD_FILE, 'w') as file:
            json.dump(world, file, indent=1)


if __name__ == '__main__':
    main()
