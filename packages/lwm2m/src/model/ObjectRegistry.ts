import type { Lwm2mPath } from '../path/Lwm2mPath.js';
import { builtinObjectModels } from './builtinObjects.js';
import { loadDdf } from './loadDdf.js';
import type { ObjectModel, ResourceModel } from './ObjectModel.js';

/** Object definitions by id (one version per object id: the last one added wins). */
export class ObjectRegistry {
  private readonly objects = new Map<number, ObjectModel>();

  /** `new ObjectRegistry()` holds the built-ins (0, 1, 2, 3, 4, 5, 3303, 3311); pass `[]` for an empty one. */
  constructor(models: Iterable<ObjectModel> = builtinObjectModels) {
    for (const m of models) this.add(m);
  }

  /** Adds or replaces a definition. */
  add(model: ObjectModel): this {
    this.objects.set(model.id, model);
    return this;
  }

  /** Parses OMA DDF XML and adds every object in it; returns the added models. */
  loadDdf(xml: string): ObjectModel[] {
    const models = loadDdf(xml);
    for (const m of models) this.add(m);
    return models;
  }

  get(objectId: number): ObjectModel | undefined {
    return this.objects.get(objectId);
  }

  has(objectId: number): boolean {
    return this.objects.has(objectId);
  }

  resource(objectId: number, resourceId: number): ResourceModel | undefined {
    return this.objects.get(objectId)?.resources.get(resourceId);
  }

  /** The resource model a resource or resource-instance path points to. */
  resourceAt(path: Lwm2mPath): ResourceModel | undefined {
    if (path.objectId === undefined || path.resourceId === undefined) return undefined;
    return this.resource(path.objectId, path.resourceId);
  }

  ids(): number[] {
    return [...this.objects.keys()].sort((a, b) => a - b);
  }

  all(): ObjectModel[] {
    return this.ids().map((id) => this.objects.get(id) as ObjectModel);
  }
}
