-- A gate officer has a container in front of them, not its declaration number: find the eligible
-- lists that name it (GET /api/v1/gate/containers/{containerNumber}).
CREATE INDEX gate_containers_number ON gate_containers (container_number);
